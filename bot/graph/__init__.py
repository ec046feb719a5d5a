"""Calendar and documents port: Microsoft Graph when configured, an embedded local one otherwise."""
