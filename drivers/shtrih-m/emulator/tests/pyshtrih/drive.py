"""Drives the emulated Shtrih-M register with pyshtrih's own API, as a shop's Python tool
would: status, money and operation registers, a shift, a legacy sale (80h) closed with 85h,
a refusal, X and Z reports. Prints what pyshtrih read as one JSON object on stdout; the Rust
test (tests/pyshtrih.rs) asserts on it and on the emulator's own records.

Usage: drive.py SERIAL_PORT
"""

import json
import sys

import pyshtrih

CASHIER = 1
CASH_PAYMENTS_IN_SHIFT = 193  # money register: sales paid in cash in the shift
CASH_IN_DRAWER = 241
RECEIPTS_IN_SHIFT = 144  # operation register: sale receipts in the shift


def register(device, number):
    return device.request_monetary_register(number)[u"Содержимое регистра"]


def main(port):
    device = pyshtrih.ShtrihM01F(port=port, baudrate=115200, timeout=5, password=CASHIER)
    device.connect()
    out = {"model": device.name}

    full = device.full_state()
    out["serial_number"] = full[u"Заводской номер"]
    out["register_date"] = full[u"Дата"].isoformat()
    out["mode_at_start"] = device.state()[u"Режим ФР"].num
    out["cash_at_start"] = register(device, CASH_IN_DRAWER)

    if out["mode_at_start"] == 4:  # shift closed
        device.open_shift()
    out["mode_in_shift"] = device.state()[u"Режим ФР"].num

    device.income(5000)  # 50.00 into the drawer

    # Quantities in thousandths, prices in kopecks; tax group 1 (22%) and 2 (10%).
    device.sale((u"Сыр", 1500, 12345), department_num=1, tax1=1)
    device.sale((u"Молоко", 2000, 4990), department_num=1, tax1=2)
    state = device.state()
    out["mode_in_receipt"] = state[u"Режим ФР"].num
    out["operations_in_receipt"] = state[u"Количество операций в чеке"]
    out["receipt_register_during"] = register(device, 0)  # department 1 sales in the receipt

    closed = device.close_check(cash=30000, text=u"Спасибо")
    out["change"] = closed[u"Сдача"]
    out["mode_after_receipt"] = device.state()[u"Режим ФР"].num

    out["cash_payments_in_shift"] = register(device, CASH_PAYMENTS_IN_SHIFT)
    out["cash_in_drawer"] = register(device, CASH_IN_DRAWER)
    out["receipts_in_shift"] = device.request_operational_register(RECEIPTS_IN_SHIFT)[
        u"Содержимое регистра"
    ]

    # No receipt is open: the register refuses the close with its own code.
    try:
        device.close_check(cash=100)
        out["close_without_receipt"] = 0
    except pyshtrih.Error as refused:
        out["close_without_receipt"] = refused.code

    device.x_report()
    device.z_report()
    out["mode_after_z"] = device.state()[u"Режим ФР"].num
    out["cash_payments_after_z"] = register(device, CASH_PAYMENTS_IN_SHIFT)
    out["cash_in_drawer_after_z"] = register(device, CASH_IN_DRAWER)
    out["last_closed_shift"] = device.full_state()[u"Номер последней закрытой смены"]

    device.disconnect()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
