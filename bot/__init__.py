"""ssu-bot: a Microsoft Teams assistant for the SSU of Helsefellesskap Innlandet."""
