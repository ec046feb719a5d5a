"""Transport: the only layer (with dialogs/) that knows botbuilder."""
