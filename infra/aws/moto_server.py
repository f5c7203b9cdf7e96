"""moto's server mode with certificate IDs as AWS makes them (SHA-256 of the
DER, not of the PEM text): the switch can only be set before the server
starts. Usage: python3 moto_server.py -H 127.0.0.1 -p PORT"""
import sys

from moto.core.config import default_user_config

default_user_config["iot"]["use_valid_cert"] = True

from moto.server import main  # noqa: E402  (after the switch)

main(sys.argv[1:])
