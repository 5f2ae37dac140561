"""Developer tools run by hand: the test fixture generator, screenshots, the load run."""
