"""botbuilder-dialogs flows: they talk with the person, then call services."""
