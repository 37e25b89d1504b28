"""The pure core: environment requests, their states, and the rules of the policy."""
