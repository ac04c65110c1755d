"""An independent Modbus TCP server (pymodbus, Debian python3-pymodbus) for driver tests.

Usage: pymodbus_server.py PORT SPEC_JSON
SPEC_JSON: {"unit": 1, "holding": {"0": [..words..]}, "input": {...}, "coils": {"0": [true, ...]},
            "discrete": {...},
            "typed": [{"table": "holding"|"input", "address": 0, "type": "float32", "order": "CDAB",
                       "value": 1.5}]}
Typed values are encoded by pymodbus' own BinaryPayloadBuilder, so the words a test expects are
not produced by the code under test.
Addresses are zero-based protocol addresses. Prints "READY" on stdout once it accepts connections,
and on SIGTERM exits. Every write a client makes is printed as one JSON line on stdout:
{"write": "holding", "address": 5, "values": [..]}
"""
import asyncio
import json
import sys

from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext, ModbusSparseDataBlock
from pymodbus.constants import Endian
from pymodbus.payload import BinaryPayloadBuilder
from pymodbus.server import StartAsyncTcpServer

ORDERS = {
    "ABCD": (Endian.Big, Endian.Big),
    "CDAB": (Endian.Big, Endian.Little),
    "BADC": (Endian.Little, Endian.Big),
    "DCBA": (Endian.Little, Endian.Little),
}
ADDERS = {
    "int16": "add_16bit_int",
    "uint16": "add_16bit_uint",
    "int32": "add_32bit_int",
    "uint32": "add_32bit_uint",
    "float32": "add_32bit_float",
    "float64": "add_64bit_float",
}


def typed_words(entry):
    byteorder, wordorder = ORDERS[entry["order"]]
    builder = BinaryPayloadBuilder(byteorder=byteorder, wordorder=wordorder)
    getattr(builder, ADDERS[entry["type"]])(entry["value"])
    return builder.to_registers()


class ReportingBlock(ModbusSparseDataBlock):
    def __init__(self, name, values):
        super().__init__(values)
        self.name = name

    def setValues(self, address, values):  # noqa: N802 (pymodbus API)
        super().setValues(address, values)
        if not isinstance(values, list):
            values = [values]
        print(json.dumps({"write": self.name, "address": address, "values": [v if isinstance(v, bool) else int(v) for v in values]}), flush=True)


def block(name, spec):
    values = {}
    for start, words in spec.items():
        for i, word in enumerate(words):
            values[int(start) + i] = word
    if not values:
        values = {0: 0}
    # Fill the holes between served addresses so a coalesced read across them is legal, as on a
    # real device whose map is contiguous.
    for address in range(min(values), max(values) + 1):
        values.setdefault(address, False if name in ("coils", "discrete") else 0)
    return ReportingBlock(name, values)


async def main():
    port = int(sys.argv[1])
    spec = json.loads(sys.argv[2])
    for entry in spec.get("typed", []):
        spec.setdefault(entry["table"], {})[str(entry["address"])] = typed_words(entry)
    slave = ModbusSlaveContext(
        di=block("discrete", spec.get("discrete", {})),
        co=block("coils", spec.get("coils", {})),
        hr=block("holding", spec.get("holding", {})),
        ir=block("input", spec.get("input", {})),
        zero_mode=True,
    )
    context = ModbusServerContext(slaves={spec.get("unit", 1): slave}, single=False)
    loop = asyncio.get_running_loop()

    async def announce():
        # Wait until the port accepts connections, then say so.
        for _ in range(200):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                print("READY", flush=True)
                return
            except OSError:
                await asyncio.sleep(0.02)
        print("NOT READY", flush=True)

    loop.create_task(announce())
    # allow_reuse_address: a restarted server must bind the same port at once (restart tests).
    await StartAsyncTcpServer(context=context, address=("127.0.0.1", port), allow_reuse_address=True)


asyncio.run(main())
