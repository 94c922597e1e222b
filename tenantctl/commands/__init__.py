"""tenantctl subcommands (one module each, exposing ``register(subparsers)``)."""
