"""The 可达性 pages and downloads: one scenario or two side by side, the ``current`` scenario and the exports."""

__all__ = ["export", "pages", "results"]
