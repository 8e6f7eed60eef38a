"""The public face's views: information pages (`pages`) and the status check (`status`)."""
