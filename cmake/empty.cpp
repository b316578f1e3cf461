// Placeholder translation unit so a library with no sources yet still configures.
