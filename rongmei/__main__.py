from rongmei.cli import main

main()
