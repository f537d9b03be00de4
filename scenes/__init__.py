"""Manim scenes and mobjects for nnviz; they only read a History from nnviz_core."""
