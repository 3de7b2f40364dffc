"""Training the models the answer engine ships with."""
