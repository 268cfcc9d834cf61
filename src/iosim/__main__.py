from iosim.cli.main import run

run()
