"""Widgets of the main screen: the virtual result list, the filter panel and its parts."""
