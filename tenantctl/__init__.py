"""tenantctl."""
