"""The Social IMP web survey and the `socialimp` command line."""
