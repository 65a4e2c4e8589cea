"""Dialogs: new project, project settings, import, shortcuts, about."""
