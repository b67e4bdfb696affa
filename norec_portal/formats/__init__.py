"""The portal's own date formats where Django's for a language do not suit its readers
(``FORMAT_MODULE_PATH``); the other languages keep Django's locale formats."""
