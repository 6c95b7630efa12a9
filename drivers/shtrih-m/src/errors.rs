//! The register's error codes as WIT `driver-error`s: a class the host acts on, the vendor's
//! code, and the vendor's Russian words with an English gloss.
//!
//! The table follows the vendor's list (JavaPOS `messages_ru.txt`, pyshtrih `excepts.py`).
//! On registers with a fiscal drive (ФН) the low codes 01h..32h are the drive's own errors
//! (pyshtrih's `fs_codes`), not the old fiscal-memory ones: 16h is "shift longer than 24
//! hours" there. Cover and paper share code 6Bh; `Shtrih` tells them apart by the status
//! flags, as the vendor's driver does.

use crate::frame::Code;
use crate::link::LinkError;
use crate::types::{DriverError, ErrorClass};

/// No receipt paper (also answered with the cover open).
pub const NO_RECEIPT_PAPER: u8 = 0x6B;

/// Class, Russian text, English gloss of a vendor code.
#[rustfmt::skip]
fn describe(code: u8) -> (ErrorClass, &'static str, &'static str) {
    use ErrorClass::*;
    match code {
        // The fiscal drive's codes.
        0x01 => (FiscalDrive, "ФН: неизвестная команда, неверный формат посылки или неизвестные параметры", "fiscal drive: unknown command or bad parameters"),
        0x02 => (FiscalDrive, "ФН: неверное состояние ФН", "fiscal drive: wrong state"),
        0x03 => (FiscalDrive, "ФН: ошибка ФН", "fiscal drive failure"),
        0x04 => (FiscalDrive, "ФН: ошибка КС", "fiscal drive: crypto coprocessor failure"),
        0x05 => (FiscalDrive, "ФН: закончен срок эксплуатации ФН", "fiscal drive: lifetime over"),
        0x06 => (FiscalDrive, "ФН: архив ФН переполнен", "fiscal drive: archive full"),
        0x07 => (FiscalDrive, "ФН: неверные дата и/или время", "fiscal drive: wrong date or time"),
        0x08 => (FiscalDrive, "ФН: нет запрошенных данных", "fiscal drive: no such data"),
        0x09 => (FiscalDrive, "ФН: некорректное значение параметров команды", "fiscal drive: bad parameter value"),
        0x10 => (FiscalDrive, "ФН: превышение размеров TLV данных", "fiscal drive: TLV data too large"),
        0x11 => (FiscalDrive, "ФН: нет транспортного соединения", "fiscal drive: no transport connection"),
        0x12 => (FiscalDrive, "ФН: исчерпан ресурс КС", "fiscal drive: crypto coprocessor exhausted"),
        0x14 => (FiscalDrive, "ФН: исчерпан ресурс хранения", "fiscal drive: storage exhausted"),
        0x15 => (FiscalDrive, "ФН: исчерпан ресурс ожидания передачи сообщения", "fiscal drive: OFD transfer wait exhausted"),
        0x16 => (ShiftExpired, "ФН: продолжительность смены более 24 часов", "shift longer than 24 hours; close it"),
        0x17 => (FiscalDrive, "ФН: неверная разница во времени между 2 операциями", "fiscal drive: wrong time between operations"),
        0x20 => (FiscalDrive, "ФН: сообщение от ОФД не может быть принято", "fiscal drive: OFD message refused"),
        0x2F => (FiscalDrive, "ФН: таймаут связи", "fiscal drive: communication timeout"),
        0x30 => (FiscalDrive, "ФН: ФН ответил NAK", "fiscal drive answered NAK"),
        0x31 => (FiscalDrive, "ФН: ошибка в формате обмена", "fiscal drive: exchange format error"),
        0x32 => (FiscalDrive, "ФН: ошибка CRC", "fiscal drive: CRC error"),
        low if low <= 0x32 => (FiscalDrive, "ФН: ошибка фискального накопителя", "fiscal drive error"),
        // The register's codes.
        0x33 => (Unsupported, "Некорректные параметры в команде", "incorrect command parameters"),
        0x34 => (Device, "Нет данных", "no data"),
        0x35 => (Unsupported, "Некорректный параметр при данных настройках", "parameter not allowed by the settings"),
        0x36 => (Unsupported, "Некорректные параметры в команде для данной реализации", "parameters not supported by this model"),
        0x37 => (Unsupported, "Команда не поддерживается в данной реализации", "command not supported by this model"),
        0x3D => (ShiftClosed, "Смена не открыта - операция невозможна", "the shift is not open"),
        0x45 => (Device, "Сумма всех типов оплаты меньше итога чека", "payments are less than the receipt total"),
        0x46 => (WrongState, "Не хватает наличности в кассе", "not enough cash in the drawer"),
        0x48 => (Device, "Переполнение итога чека", "receipt total overflow"),
        0x49 => (WrongState, "Операция невозможна в открытом чеке данного типа", "operation impossible in a receipt of this type"),
        0x4A => (WrongState, "Открыт чек - операция невозможна", "a receipt is open"),
        0x4B => (Device, "Буфер чека переполнен", "receipt buffer full"),
        0x4D => (Device, "Вносимая безналичной оплатой сумма больше суммы чека", "cashless payment exceeds the receipt total"),
        0x4E => (ShiftExpired, "Смена превысила 24 часа", "shift exceeded 24 hours; close it"),
        0x4F => (Device, "Неверный пароль", "wrong password"),
        0x50 => (WrongState, "Идет печать предыдущей команды", "still printing the previous command"),
        0x55 => (WrongState, "Чек закрыт - операция невозможна", "no receipt is open"),
        0x58 => (WrongState, "Ожидание команды продолжения печати", "waiting for the continue-printing command"),
        0x5E => (Unsupported, "Некорректная операция", "incorrect operation"),
        0x5F => (Device, "Отрицательный итог чека", "negative receipt total"),
        0x60 => (Device, "Переполнение при умножении", "multiplication overflow"),
        0x61 => (Unsupported, "Переполнение диапазона цены", "price out of range"),
        0x62 => (Unsupported, "Переполнение диапазона количества", "quantity out of range"),
        0x63 => (Unsupported, "Переполнение диапазона отдела", "department out of range"),
        NO_RECEIPT_PAPER => (PaperOut, "Нет чековой ленты", "no receipt paper"),
        0x6C => (PaperOut, "Нет контрольной ленты", "no journal paper"),
        0x71 => (Device, "Ошибка отрезчика", "cutter failure"),
        0x72 => (WrongState, "Команда не поддерживается в данном подрежиме", "command not allowed in this submode"),
        0x73 => (WrongState, "Команда не поддерживается в данном режиме", "command not allowed in this mode"),
        0x7E => (Unsupported, "Неверное значение в поле длины", "wrong length field"),
        0x7F => (Unsupported, "Переполнение диапазона итога", "total out of range"),
        0x8E => (Device, "Нулевой итог чека", "zero receipt total"),
        0x8F => (FiscalDrive, "Касса не фискализирована", "the register is not registered"),
        0x90 => (Unsupported, "Поле превышает размер, установленный в настройках", "field longer than the settings allow"),
        0x94 => (Device, "Исчерпан лимит операций в чеке", "too many operations in the receipt"),
        0x96 => (ShiftExpired, "Выполните суточный отчет с гашением", "run the Z report"),
        // The fiscal drive's marking codes, as the vendor's JavaPOS driver words them
        // (`messages_ru.txt`, FSPrinterErrorA0..AC, PrinterErrorD4).
        0xA0 => (FiscalDrive, "ФН: Запрещена работа с маркированным товарами", "fiscal drive: marked goods not allowed"),
        0xA2 => (FiscalDrive, "ФН: Работа с маркированными товарами временно заблокирована", "fiscal drive: marked goods temporarily blocked"),
        0xA3 => (FiscalDrive, "ФН: Переполнена таблица проверки кодов маркировки", "fiscal drive: marking check table full"),
        0xAC => (FiscalDrive, "ФН: В реквизите 2007 содержится КМ, который ранее не проверялся в ФН", "fiscal drive: the marking code was not checked before"),
        0xD4 => (FiscalDrive, "Код маркировки фальсифицирован", "the marking code is forged"),
        0xC8 => (Device, "Ошибка связи с принтером", "printer communication error"),
        0xC9 => (Device, "Перегрев печатающей головки", "print head overheated"),
        _ => (Device, "Ошибка ККТ", "register error"),
    }
}

/// The error the register answered `code` with, to `command`.
pub fn device(code: u8, command: Code) -> DriverError {
    let (class, ru, en) = describe(code);
    DriverError {
        class,
        vendor_code: code as u32,
        message: format!("{ru} ({en}); код {code:02X}h на команду {command}"),
    }
}

/// Code 6Bh with the cover flag up: the cover, not the paper.
pub fn cover_open(code: u8, command: Code) -> DriverError {
    DriverError {
        class: ErrorClass::CoverOpen,
        vendor_code: code as u32,
        message: format!("Открыта крышка (cover open); код {code:02X}h на команду {command}"),
    }
}

/// The line failed after its retries.
pub fn communication(e: &LinkError, command: Code) -> DriverError {
    DriverError {
        class: ErrorClass::Communication,
        vendor_code: 0,
        message: format!("{e} (command {command})"),
    }
}

/// The device answered something this driver cannot read.
pub fn garbage(detail: impl std::fmt::Display) -> DriverError {
    DriverError {
        class: ErrorClass::Communication,
        vendor_code: 0,
        message: format!("unreadable answer from the register: {detail}"),
    }
}

/// The driver refuses before sending anything: the state the device reported forbids it.
pub fn refused(class: ErrorClass, message: impl Into<String>) -> DriverError {
    DriverError {
        class,
        vendor_code: 0,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_the_host_acts_on() {
        let of = |code| device(code, Code(0xFF46)).class;
        assert_eq!(of(0x4E), ErrorClass::ShiftExpired);
        assert_eq!(of(0x16), ErrorClass::ShiftExpired);
        assert_eq!(of(0x3D), ErrorClass::ShiftClosed);
        assert_eq!(of(0x6B), ErrorClass::PaperOut);
        assert_eq!(of(0x02), ErrorClass::FiscalDrive);
        assert_eq!(of(0x23), ErrorClass::FiscalDrive);
        assert_eq!(of(0x73), ErrorClass::WrongState);
        assert_eq!(of(0x37), ErrorClass::Unsupported);
        assert_eq!(of(0xEE), ErrorClass::Device);
    }

    #[test]
    fn messages_carry_both_languages_and_the_code() {
        let e = device(0x4E, Code(0xFF46));
        assert_eq!(e.vendor_code, 0x4E);
        assert!(
            e.message.contains("Смена превысила 24 часа"),
            "{}",
            e.message
        );
        assert!(e.message.contains("24 hours"), "{}", e.message);
        assert!(
            e.message.contains("4Eh") && e.message.contains("FF46h"),
            "{}",
            e.message
        );
    }
}
