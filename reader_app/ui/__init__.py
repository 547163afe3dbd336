"""The window: the only package that imports Qt (PySide6).

It reads through the library in short queries on the GUI thread, sends writes and network
work to threads through ``tasks.Tasks``, and refreshes what each ``Changes`` names.
"""
