"""ses_tenants_engine."""
