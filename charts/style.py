"""One look for every chart: sizes, colours, type."""

WIDTH, HEIGHT, DPI = 8.0, 4.5, 110  # 880 x 495 px: readable in a Slack preview
BACKGROUND = "#ffffff"
TEXT = "#1d1c1d"  # Slack's text colour
MUTED = "#616061"
GRID = "#e8e8e8"
HIGHLIGHT = "#ffe7a3"
PALETTE = ["#1264a3", "#e8912d", "#2bac76", "#cd2553", "#7c3085", "#36c5f0", "#8d8d8d"]
HEAT = ["#f4f8fb", "#b8d4ea", "#5b9bd0", "#1264a3", "#0b3b66"]
