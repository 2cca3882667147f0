#!/usr/bin/env python3
"""Makes the .xlsx fixtures of labeld's import tests with the format's own tools (never labeld).

usage: make_workbook.py WRITER OUT.xlsx
  WRITER  openpyxl (cells as inline strings) or xlsxwriter (cells in the shared-string table),
          or big: 5000 order rows by XlsxWriter in constant-memory mode (one long line of
          inline strings), product names with & < > " ' in them

The same channel export either way: a cover sheet '안내', then '발주발송관리' with a notice row
above labeld's Korean headers; date cells (yyyy-mm-dd hh:mm:ss), numbers, a 4-digit postal code
Excel made of 04524, a waybill number stored as a number, an empty optional cell, rich text
(J4: two runs) and a mistake in I7 (수량 '두개').
"""
import sys, datetime

writer, out = sys.argv[1], sys.argv[2]
header = ["주문번호", "주문일시", "수령자명", "수령자연락처", "우편번호", "주소", "상품명", "옵션", "수량", "배송메세지", "택배사", "송장번호"]
rows = [
    ["X-1", datetime.datetime(2026, 12, 3, 8, 0, 0), "홍길동", "010-1111-2222", 4524, "서울특별시 중구 세종대로 110", "수제 딸기잼 500g", None, 1, "문 앞에 놓아 주세요", "CJ대한통운", "600000000019"],
    ["X-2", datetime.datetime(2026, 12, 3, 14, 30, 15), "김철수", "010-3333-4444", "06190", "서울특별시 강남구 테헤란로 1", "수면 양말", "색상:그레이", 2, None, "CJ대한통운", 600000000027],
    ["X-2", datetime.datetime(2026, 12, 3, 14, 30, 15), "김철수", "010-3333-4444", "06190", "서울특별시 강남구 테헤란로 1", "수제 딸기잼 500g", None, 1, None, "CJ대한통운", 600000000027],
    ["X-3", datetime.datetime(2026, 12, 3, 9, 0, 0), "이영희", "010-5555-6666", 48058, "부산광역시 해운대구 1", "수면 양말", None, 1, None, None, None],
    ["X-4", datetime.datetime(2026, 12, 3, 10, 0, 0), "박민수", "010-7777-8888", 63001, "제주특별자치도 제주시 연삼로 1", "수면 양말", None, "두개", None, None, None],
]
notice = "※ 주문 정보는 개인정보이므로 취급에 유의하세요"

if writer == "openpyxl":
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    wb = Workbook()
    wb.active.title = "안내"
    wb.active["A1"] = "이 파일은 주문 내보내기입니다"
    ws = wb.create_sheet("발주발송관리")
    ws.append([notice])
    ws.append(header)
    for r in rows:
        ws.append(r)
    for (c,) in ws.iter_rows(min_row=3, max_row=ws.max_row, min_col=2, max_col=2):
        c.number_format = "yyyy-mm-dd hh:mm:ss"
    ws["J4"] = CellRichText([TextBlock(InlineFont(b=True), "부재 시 "), "경비실"])
    wb.save(out)
elif writer == "xlsxwriter":
    import xlsxwriter
    wb = xlsxwriter.Workbook(out)
    cover = wb.add_worksheet("안내")
    cover.write(0, 0, "이 파일은 주문 내보내기입니다")
    ws = wb.add_worksheet("발주발송관리")
    when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    bold = wb.add_format({"bold": True})
    ws.write(0, 0, notice)
    ws.write_row(1, 0, header)
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if v is None:
                continue
            if isinstance(v, datetime.datetime):
                ws.write_datetime(i + 2, j, v, when)
            else:
                ws.write(i + 2, j, v)
    ws.write_rich_string(3, 9, bold, "부재 시 ", "경비실")
    wb.close()
elif writer == "big":
    import xlsxwriter
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = wb.add_worksheet("주문")
    when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws.write_row(0, 0, header)
    for i in range(1, 5001):
        ws.write_string(i, 0, "B%05d" % i)
        ws.write_datetime(i, 1, datetime.datetime(2026, 12, 1, 9, 0, 0) + datetime.timedelta(minutes=i), when)
        ws.write_row(i, 2, ["수령인%d" % i, "010-1234-5678", "%05d" % (1000 + i)])
        ws.write_string(i, 5, "서울특별시 강남구 테헤란로 %d" % i)
        ws.write_string(i, 6, "러닝화 & 양말 <특가> \"%d\" '세트'" % i)
        ws.write_number(i, 8, 1 + i % 3)
    wb.close()
else:
    sys.exit("unknown writer " + writer)
