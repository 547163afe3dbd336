"""reader_app: a fast, keyboard-driven, private desktop news reader."""

__version__ = "0.1.0"
APP_NAME = "reader-app"
APP_TITLE = "Reader App"  # what people see: window title, menus, desktop entry
