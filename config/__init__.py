from config.settings import TZ
from config.settings import TZ_NAME
from config.settings import load_settings

__all__ = ["TZ", "TZ_NAME", "load_settings"]
