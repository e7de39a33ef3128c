"""The refusal of a whole uploaded file, and the messages more than one reader gives."""

ACCEPTED = "请上传 .xlsx、.xls、.ods 或 .csv 格式的表格文件。"
DAMAGED = "文件已损坏或不完整（可能没有上传完整），请用 Excel/WPS 打开确认后重新保存再上传。"
MACROS = "文件含有宏（VBA 代码），为安全起见不予读取。请在 Excel/WPS 中另存为“Excel 工作簿（.xlsx）”后再上传。"


class FileRefused(ValueError):
    """The whole file is refused; ``str(e)`` is the Chinese message to show."""
