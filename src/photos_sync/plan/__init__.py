"""Planning: pure decisions about what to do, from the library's view and the tracker's."""
