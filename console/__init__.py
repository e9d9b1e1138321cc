"""The web console (issue 13): business managers and admins run their partnership from a browser."""
