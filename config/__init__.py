from config.settings import TZ, TZ_NAME, load_settings

__all__ = ["TZ", "TZ_NAME", "load_settings"]
