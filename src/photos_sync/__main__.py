from photos_sync.cli import main

main()
