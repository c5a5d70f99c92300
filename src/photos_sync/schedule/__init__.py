"""The nightly job: written in the platform's own format (a launchd agent on macOS, a
systemd user timer on Linux) and loaded through the platform's own tool."""
