"""The staff web's views, one module per topic, all on the ``staff`` blueprint."""
