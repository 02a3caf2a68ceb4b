"""Service functions for writes that matter: publishing, retraction, recommendation."""
