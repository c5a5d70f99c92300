"""Test support: the Immich double, the fake 1Password CLI, fixture access and CLI runners."""
