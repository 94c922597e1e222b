"""ses_tenants_constructs."""
