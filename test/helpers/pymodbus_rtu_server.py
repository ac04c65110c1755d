"""An independent Modbus RTU slave (pymodbus, Debian python3-pymodbus) on a serial port, for driver
tests over a socat pty pair. Serves several slave addresses on one line; a request for any other
address is ignored, as on a real bus where that slave is dead.

Usage: pymodbus_rtu_server.py SERIAL_PATH BAUD SPEC_JSON
SPEC_JSON: {"slaves": {"1": {"holding": {"0": [..words..]}, "input": {...}, "coils": {"0": [true]},
                              "discrete": {...},
                              "typed": [{"table": "holding", "address": 0, "type": "float32",
                                         "order": "CDAB", "value": 1.5}]},
                        "2": {...}}}
Typed values are encoded by pymodbus' own BinaryPayloadBuilder, so the words a test expects are not
produced by the code under test. Addresses are zero-based. Prints "READY" once the port is open;
every write is printed as one JSON line: {"unit": 1, "write": "holding", "address": 5, "values": [..]}
"""
import asyncio
import json
import sys

from pymodbus.constants import Endian
from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext, ModbusSparseDataBlock
from pymodbus.payload import BinaryPayloadBuilder
from pymodbus.server import StartAsyncSerialServer
from pymodbus.transaction import ModbusRtuFramer

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
    def __init__(self, unit, name, values):
        super().__init__(values)
        self.unit = unit
        self.name = name

    def setValues(self, address, values):  # noqa: N802 (pymodbus API)
        super().setValues(address, values)
        if not isinstance(values, list):
            values = [values]
        print(json.dumps({"unit": self.unit, "write": self.name, "address": address,
                          "values": [v if isinstance(v, bool) else int(v) for v in values]}), flush=True)


def block(unit, name, spec):
    values = {}
    for start, words in spec.items():
        for i, word in enumerate(words):
            values[int(start) + i] = word
    if not values:
        values = {0: 0}
    # Contiguous map between the lowest and highest served address, as on a real device, so a
    # coalesced read across a hole is legal.
    for address in range(min(values), max(values) + 1):
        values.setdefault(address, False if name in ("coils", "discrete") else 0)
    return ReportingBlock(unit, name, values)


def slave_context(unit, spec):
    for entry in spec.get("typed", []):
        spec.setdefault(entry["table"], {})[str(entry["address"])] = typed_words(entry)
    return ModbusSlaveContext(
        di=block(unit, "discrete", spec.get("discrete", {})),
        co=block(unit, "coils", spec.get("coils", {})),
        hr=block(unit, "holding", spec.get("holding", {})),
        ir=block(unit, "input", spec.get("input", {})),
        zero_mode=True,
    )


async def main():
    path = sys.argv[1]
    baud = int(sys.argv[2])
    spec = json.loads(sys.argv[3])
    slaves = {int(unit): slave_context(int(unit), s) for unit, s in spec["slaves"].items()}
    context = ModbusServerContext(slaves=slaves, single=False)
    server = await StartAsyncSerialServer(
        context=context,
        framer=ModbusRtuFramer,
        port=path,
        baudrate=baud,
        bytesize=8,
        parity="N",
        stopbits=1,
        ignore_missing_slaves=True,
        defer_start=True,
    )
    await server.start()
    if server.transport is None:
        print("NOT READY", flush=True)
        return
    print("READY", flush=True)
    await server.serve_forever()


asyncio.run(main())
