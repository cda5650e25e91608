"""Feedback and the closed loop: surveys, the analysis of their comments, and tickets."""
