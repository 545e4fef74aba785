"""Paper-ready reports rendered from an `analysis` result."""
