//! The register's error codes ("Список кодов ошибок" in `documentation_pirit_fm.md`) and the
//! extended codes of 0x06/1 ("Расширенный код ошибки") as WIT `driver-error`s: the class
//! says what the host can do, the message keeps the vendor's words and code.

use crate::types::{DriverError, ErrorClass};

/// The vendor's words for an error code (the document's table, shortened where it explains).
pub fn describe(code: u8) -> &'static str {
    match code {
        0x01 => "Функция невыполнима при данном статусе ККТ",
        0x02 => "В команде указан неверный номер функции",
        0x03 => "Некорректный формат или параметр команды",
        0x04 => "Переполнение буфера коммуникационного порта",
        0x05 => "Таймаут при передаче байта информации",
        0x06 => "В протоколе указан неверный пароль",
        0x07 => "Ошибка контрольной суммы в команде",
        0x08 => "Конец бумаги",
        0x09 => "Принтер не готов",
        0x0A => "Текущая смена больше 24 часов",
        0x0B => "Разница во времени ККТ и команды начала работы больше 8 минут",
        0x0C => "Вводимая дата более ранняя, чем дата последней фискальной операции",
        0x0E => "Отрицательное значение результирующего счетчика (недостаточно денег в ККТ)",
        0x0F => "Для выполнения команды необходимо закрыть смену",
        0x10 => "Нет данных в журнале",
        0x11 => "Ошибка контрольной ленты",
        0x12 => "Ошибка посылки данных в ОФД",
        0x20 => "Фатальная ошибка ККТ",
        0x41 => "Некорректный формат или параметр команды ФН",
        0x42 => "Некорректное состояние ФН",
        0x43 => "Ошибка ФН",
        0x44 => "Ошибка КС в составе ФН",
        0x45 => "Исчерпан временной ресурс использования ФН",
        0x46 => "ФН переполнен",
        0x47 => "Неверные дата или время в ФН",
        0x48 => "Нет запрошенных данных в ФН",
        0x49 => "Некорректное значение параметров команды ФН",
        0x4A => "Некорректная команда ФН",
        0x4D => "Отсутствуют данные, необходимые для корректного учета в ФН",
        0x4E => "Количество позиций в документе ФН превысило допустимый предел",
        0x51 => "Нет транспортного соединения",
        0x52 => "Исчерпан ресурс КС",
        0x54 => "Исчерпан ресурс хранения документов для ОФД",
        0x55 => "Время нахождения в очереди самого старого сообщения более 30 дней",
        0x56 => "Продолжительность смены ФН более 24 часов",
        0x58 => "Некорректный реквизит, переданный ККТ в ФН",
        0x59 => "Переданный в ФН реквизит не соответствует установкам при регистрации",
        0x61 => "Нет связи с ФН",
        0x62 => "Ошибка обмена с ФН",
        0x72 => "Запрещена работа с маркированными товарами",
        0x73 => "Нарушена последовательность команд для обработки товаров с КМ",
        0x74 => "Работа с маркированными товарами временно заблокирована",
        0x75 => "Переполнена таблица хранения КМ",
        0x7E => "В реквизите 2007 содержится КМ, который ранее не проверялся в ФН",
        _ => "Ошибка ККТ",
    }
}

/// The extended code of 0x06/1 that says why 0x01 or 0x03 was returned.
pub fn describe_extended(code: u8) -> Option<&'static str> {
    Some(match code {
        1 => "Не была вызвана функция «Начало работы»",
        2 => "Нефискальный режим",
        3 => "Архив ФН закрыт",
        4 => "ФН не зарегистрирован",
        8 => "Документ не был открыт",
        9 => "Предыдущий документ не закрыт",
        11 => "Состояние документа не равно 1",
        12 => "Состояние документа не равно 1 или 2",
        13 => "Состояние документа не равно 1, 2 или 3",
        14 => "Состояние документа не равно 4 (расчёт завершён)",
        15 => "Документ закрыт в ФН",
        20 => "Смена не открыта",
        21 => "Фатальная ошибка ФН",
        26 => "Нулевой итог документа",
        33 => "Не задано имя оператора",
        34 => "Есть неотправленные в ОФД документы",
        46 => "Неверный параметр «Количество товара»",
        47 => "Неверный параметр «Цена товара»",
        48 => "Неверный параметр «Номер ставки налога»",
        55 => "Неверный параметр «Тип платежа»",
        56 => "Неверный параметр «Сумма платежа»",
        75 => "Неверный параметр «Тип коррекции»",
        77 => "Неверный параметр «Номер документа основания коррекции»",
        _ => return None,
    })
}

/// Extended code 20: "the shift is not open".
pub const EXT_SHIFT_NOT_OPEN: u8 = 20;
/// Extended code 1: "start of work (0x10) was not called".
pub const EXT_NOT_STARTED: u8 = 1;

/// A register error as a WIT error. `extended` is 0x06/1's answer when the driver asked.
pub fn to_driver_error(command: u8, code: u8, extended: Option<u8>) -> DriverError {
    let mut message = format!(
        "command {command:02X}h: {} (error {code:02X}h)",
        describe(code)
    );
    if let Some(ext) = extended.filter(|&e| e != 0) {
        match describe_extended(ext) {
            Some(words) => message.push_str(&format!("; {words} (extended code {ext})")),
            None => message.push_str(&format!("; extended code {ext}")),
        }
    }
    let class = match (code, extended) {
        (0x08, _) => ErrorClass::PaperOut,
        (0x0A | 0x56, _) => ErrorClass::ShiftExpired,
        (0x01, Some(EXT_SHIFT_NOT_OPEN)) => ErrorClass::ShiftClosed,
        (0x01 | 0x0E | 0x0F, _) => ErrorClass::WrongState,
        (0x02 | 0x03, _) => ErrorClass::Unsupported,
        (0x04..=0x07, _) => ErrorClass::Communication,
        (0x41..=0x7E, _) => ErrorClass::FiscalDrive,
        _ => ErrorClass::Device,
    };
    DriverError::new(class, u32::from(code), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_codes_map_to_classes_and_keep_the_vendors_words() {
        let cases = [
            (0x08, None, ErrorClass::PaperOut),
            (0x0A, None, ErrorClass::ShiftExpired),
            (0x56, None, ErrorClass::ShiftExpired),
            (0x01, Some(20), ErrorClass::ShiftClosed),
            (0x01, Some(9), ErrorClass::WrongState),
            (0x0F, None, ErrorClass::WrongState),
            (0x03, Some(48), ErrorClass::Unsupported),
            (0x07, None, ErrorClass::Communication),
            (0x45, None, ErrorClass::FiscalDrive),
            (0x73, None, ErrorClass::FiscalDrive),
            (0x20, None, ErrorClass::Device),
        ];
        for (code, ext, class) in cases {
            let e = to_driver_error(0x31, code, ext);
            assert_eq!(e.class, class, "{code:02X}h/{ext:?}");
            assert_eq!(e.vendor_code, u32::from(code));
            assert!(e.message.contains(describe(code)), "{}", e.message);
            assert!(e.message.contains("31h"), "{}", e.message);
        }
        let e = to_driver_error(0x42, 0x01, Some(20));
        assert!(e.message.contains("Смена не открыта"), "{}", e.message);
    }
}
