"""gpulca: life cycle assessment of AI research and deployment, on Brightway 2.5."""

__version__ = "0.1.0"
