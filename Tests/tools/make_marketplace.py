#!/usr/bin/env python3
"""Makes marketplace order exports for labeld's import tests with openpyxl (never labeld).

usage: make_marketplace.py LAYOUT OUT.xlsx [--mistake]
  LAYOUT  smartstore (current generation: 통합배송지 + 기본/상세배송지, a notice row above the header),
          smartstore-old (배송지 only), coupang-39 (DeliveryList, 39 columns), coupang-40 (the current
          40 columns: 최초등록등록상품명/옵션명, 통관용수취인전화번호, 배송유형), 11st (a notice row and
          the title 발송준비중내역 above the header), esm, cafe24
  --mistake  one more order whose quantity is '두개'

Every layout holds the same day of a seller (docs/MARKETPLACES.md has the column lists and their
sources): three receivers, four order lines, the seller's codes SOCK-GR and JAM-500 in the code
column, no carrier and no waybill number yet (the export before 발송처리).
  홍길동  two lines in one parcel (one order, or for 쿠팡 two orders in one 묶음배송번호)
  김철수  one line, a 4-digit postal code the way Excel shortens 04524 would not happen: 06190
  이영희  one line, to 제주 (63001)
"""
import sys, datetime
from openpyxl import Workbook

layout, out = sys.argv[1], sys.argv[2]
mistake = "--mistake" in sys.argv[3:]

# The day: (bundle, order, line, receiver, phone, postal, address base, address detail, product, option, code, qty, message, ordered)
day = [
    ("B100", "2026120310001", "2026120310001-1", "홍길동", "010-1111-2222", "04524", "서울특별시 중구 세종대로 110", "3층", "수면 양말", "색상:그레이", "SOCK-GR", 2, "문 앞에 놓아 주세요", datetime.datetime(2026, 12, 3, 8, 0, 0)),
    ("B100", "2026120310002", "2026120310002-1", "홍길동", "010-1111-2222", "04524", "서울특별시 중구 세종대로 110", "3층", "수제 딸기잼 500g", "", "JAM-500", 1, "문 앞에 놓아 주세요", datetime.datetime(2026, 12, 3, 8, 0, 0)),
    ("B200", "2026120310003", "2026120310003-1", "김철수", "010-3333-4444", "06190", "서울특별시 강남구 테헤란로 1", "101호", "수면 양말", "색상:그레이", "SOCK-GR", 1, "", datetime.datetime(2026, 12, 3, 9, 30, 15)),
    ("B300", "2026120310004", "2026120310004-1", "이영희", "010-5555-6666", "63001", "제주특별자치도 제주시 연삼로 1", "", "수제 딸기잼 500g", "", "JAM-500", 1, "부재 시 경비실", datetime.datetime(2026, 12, 3, 10, 0, 0)),
]
if mistake:
    day.append(("B400", "2026120310005", "2026120310005-1", "박민수", "010-7777-8888", "48058", "부산광역시 해운대구 1", "", "수면 양말", "색상:그레이", "SOCK-GR", "두개", "", datetime.datetime(2026, 12, 3, 11, 0, 0)))

def full(r):
    return (r[6] + " " + r[7]).strip()

wb = Workbook()
ws = wb.active
above = []       # rows above the header
rows = []        # dicts: header → value

if layout in ("smartstore", "smartstore-old"):
    # 스마트스토어 groups by 주문번호: 홍길동's two lines are one 주문번호 with two 상품주문번호.
    ws.title = "발주발송관리"
    above = [["◈ 다운로드 받은 파일로 '엑셀 일괄발송' 처리하는 방법\n1. 엑셀 파일에 아래 네 가지 항목을 확인 후 입력해주세요.\n- 상품주문번호, 배송방법, 택배사, 송장번호\n※ 파일 업로드 시, 1행 삭제 후 업로드 부탁 드립니다."]]
    if layout == "smartstore":
        header = ["상품주문번호", "주문번호", "배송속성", "풀필먼트사(주문 기준)", "배송방법(구매자 요청)", "배송방법", "택배사", "송장번호", "발송일", "판매채널", "구매자명", "구매자ID", "수취인명", "주문상태", "주문세부상태", "결제위치", "결제일", "상품번호", "상품명", "상품종류", "반품안심케어", "옵션정보", "옵션관리코드", "수량", "옵션가격", "상품가격", "상품별 할인액", "판매자 부담 할인액", "상품별 총 주문금액", "사은품", "발주확인일", "발송기한", "발송처리일", "송장출력일", "배송비 형태", "배송비 묶음번호", "배송비 유형", "배송비 합계", "제주/도서 추가배송비", "배송비 할인액", "판매자 상품코드", "판매자 내부코드1", "판매자 내부코드2", "수취인연락처1", "수취인연락처2", "통합배송지", "기본배송지", "상세배송지", "구매자연락처", "우편번호", "배송메세지", "출고지", "결제수단", "수수료 과금구분", "수수료결제방식", "네이버페이 주문관리 수수료", "매출연동 수수료", "정산예정금액", "매출연동수수료 유입경로", "개인통관고유부호", "주문일시", "구독신청회차", "구독진행회차", "배송희망일"]
    else:
        header = ["상품주문번호", "주문번호", "배송방법(구매자 요청)", "배송방법", "택배사", "송장번호", "발송일", "판매채널", "구매자명", "구매자ID", "수취인명", "주문상태", "주문세부상태", "결제위치", "결제일", "상품번호", "상품명", "상품종류", "옵션정보", "옵션관리코드", "수량", "옵션가격", "상품가격", "상품별 할인액", "판매자 부담 할인액", "상품별 총 주문금액", "사은품", "발주확인일", "발송기한", "발송처리일", "송장출력일", "배송비 형태", "배송비 묶음번호", "배송비 유형", "배송비 합계", "제주/도서 추가배송비", "배송비 할인액", "판매자 상품코드", "판매자 내부코드1", "판매자 내부코드2", "수취인연락처1", "수취인연락처2", "배송지", "구매자연락처", "우편번호", "배송메세지", "출고지", "결제수단", "수수료 과금구분", "수수료결제방식", "결제수수료", "매출연동 수수료", "매출연동 수수료 구분", "정산예정금액", "유입경로", "구매자 주민등록번호", "개인통관고유부호", "주문일시", "배송속성", "배송희망일", "(수취인연락처1)", "(수취인연락처2)", "(우편번호)", "(기본주소)", "(상세주소)", "(구매자연락처)"]
    orders = {"B100": "2026120355501", "B200": "2026120355502", "B300": "2026120355503", "B400": "2026120355504"}
    for i, r in enumerate(day):
        d = {"상품주문번호": "202612039%07d" % (i + 1), "주문번호": orders[r[0]], "배송방법(구매자 요청)": "택배,등기,소포", "배송방법": "택배,등기,소포",
             "판매채널": "스마트스토어", "구매자명": r[3], "구매자ID": "buyer%d****" % i, "수취인명": r[3], "주문상태": "결제완료", "주문세부상태": "발주확인",
             "결제위치": "MOBILE", "결제일": r[13] + datetime.timedelta(minutes=2), "상품번호": "8812345%04d" % i, "상품명": r[8], "상품종류": "조합형옵션상품",
             "옵션정보": r[9] or None, "옵션관리코드": r[10], "수량": r[11], "상품가격": 12900, "상품별 총 주문금액": 12900, "배송비 묶음번호": "BN" + orders[r[0]],
             "배송비 형태": "선결제", "판매자 상품코드": r[10], "수취인연락처1": r[4], "수취인연락처2": "",
             "우편번호": r[5], "배송메세지": r[12] or None, "결제수단": "신용카드", "주문일시": r[13]}
        if layout == "smartstore":
            d.update({"통합배송지": full(r), "기본배송지": r[6], "상세배송지": r[7] or None})
        else:
            d["배송지"] = full(r)
        rows.append(d)
elif layout in ("coupang-39", "coupang-40"):
    # 쿠팡 bundles: 홍길동's two orders share 묶음배송번호 B100, so they are one parcel.
    ws.title = "Delivery"
    header = ["번호", "묶음배송번호", "주문번호", "택배사", "운송장번호", "분리배송 Y/N", "분리배송 출고예정일", "주문시 출고예정일", "출고일(발송일)", "주문일", "등록상품명", "등록옵션명", "노출상품명(옵션명)", "노출상품ID", "옵션ID", "최초등록옵션명", "업체상품코드", "바코드", "결제액", "배송비구분", "배송비", "도서산간 추가배송비", "구매수(수량)", "옵션판매가(판매단가)", "구매자", "구매자전화번호", "수취인이름", "수취인전화번호", "우편번호", "수취인 주소", "배송메세지", "상품별 추가메시지", "주문자 추가메시지", "배송완료일", "구매확정일자", "개인통관번호(PCCC)", "통관용구매자전화번호", "기타", "결제위치"]
    if layout == "coupang-40":
        header[header.index("최초등록옵션명")] = "최초등록등록상품명/옵션명"
        header[header.index("통관용구매자전화번호")] = "통관용수취인전화번호"
        header.append("배송유형")
    bundles = {"B100": "312000000100", "B200": "312000000200", "B300": "312000000300", "B400": "312000000400"}
    for i, r in enumerate(day):
        d = {"번호": i + 1, "묶음배송번호": bundles[r[0]], "주문번호": "2100%08d" % (i + 1), "분리배송 Y/N": "분리배송가능",
             "주문시 출고예정일": "2026-12-04", "주문일": r[13].strftime("%Y-%m-%d %H:%M:%S"), "등록상품명": r[8], "등록옵션명": r[9] or None,
             "노출상품명(옵션명)": (r[8] + ", " + r[9]) if r[9] else r[8], "노출상품ID": "7712345%03d" % i, "옵션ID": "8812345%04d" % (10 + i),
             "업체상품코드": r[10], "결제액": 12900, "배송비구분": "무료", "배송비": 0, "도서산간 추가배송비": 0, "구매수(수량)": r[11],
             "옵션판매가(판매단가)": 12900, "구매자": r[3], "구매자전화번호": "0504-1234-%04d" % i, "수취인이름": r[3],
             "수취인전화번호": "0504-5678-%04d" % i, "우편번호": r[5], "수취인 주소": full(r), "배송메세지": r[12] or None, "결제위치": "APP"}
        d["최초등록옵션명" if layout == "coupang-39" else "최초등록등록상품명/옵션명"] = r[8] + (" " + r[9] if r[9] else "")
        if layout == "coupang-40":
            d["배송유형"] = "일반배송"
        rows.append(d)
elif layout == "11st":
    # 11번가 bundles by 배송번호: 홍길동's two lines share one.
    ws.title = "발송처리"
    above = [["※ 개인정보 보호를 위해 배송완료 후 파기해 주세요."], ["발송준비중내역"]]
    header = ["번호", "주문일시", "결제일시", "주문번호", "주문상태", "배송번호", "상품번호", "상품명", "옵션", "수량", "판매자상품코드", "수취인", "휴대폰번호", "전화번호", "우편번호", "주소", "배송메시지", "택배사", "송장/등기번호"]
    for i, r in enumerate(day):
        rows.append({"번호": i + 1, "주문일시": r[13].strftime("%Y/%m/%d %H:%M:%S"), "결제일시": r[13].strftime("%Y/%m/%d %H:%M:%S"),
                     "주문번호": "2026120%08d" % (300 + int(r[0][1:]) // 100), "주문상태": "발송준비중", "배송번호": "70%s" % r[0][1:], "상품번호": "3000%d" % (1 if r[10] == "SOCK-GR" else 2),
                     "상품명": r[8], "옵션": r[9] or None, "수량": r[11], "판매자상품코드": r[10], "수취인": r[3], "휴대폰번호": r[4], "전화번호": "",
                     "우편번호": r[5], "주소": full(r), "배송메시지": r[12] or None})
elif layout == "esm":
    # ESM: 주문번호 per line, 배송번호 per parcel.
    ws.title = "발송관리"
    header = ["판매아이디", "주문번호", "장바구니번호(결제번호)", "배송번호", "상품번호", "상품명", "수량", "옵션", "추가구성", "사은품", "판매단가", "판매금액", "판매자 관리코드", "판매자 상세관리코드", "구매자명", "구매자ID", "구매자 휴대폰", "수령인명", "수령인 휴대폰", "수령인 전화번호", "우편번호", "주소", "배송시 요구사항", "배송비", "택배사명(발송방법)", "송장번호", "결제완료일", "주문일자(결제확인전)", "배송상태"]
    for i, r in enumerate(day):
        rows.append({"판매아이디": "livingplus", "주문번호": "41%08d" % (1000 + i), "장바구니번호(결제번호)": "51%08d" % int(r[0][1:]), "배송번호": "61%08d" % int(r[0][1:]),
                     "상품번호": "B55%05d" % i, "상품명": r[8], "수량": r[11], "옵션": r[9] or None, "판매단가": 12900, "판매금액": 12900,
                     "판매자 관리코드": r[10], "구매자명": r[3], "구매자ID": "esm%d" % i, "구매자 휴대폰": r[4], "수령인명": r[3], "수령인 휴대폰": r[4],
                     "우편번호": r[5], "주소": full(r), "배송시 요구사항": r[12] or None, "배송비": 0, "결제완료일": r[13].strftime("%Y-%m-%d %H:%M"),
                     "주문일자(결제확인전)": r[13].strftime("%Y-%m-%d %H:%M"), "배송상태": "발송대기"})
elif layout == "cafe24":
    # cafe24 groups by 주문번호 (YYYYMMDD-NNNNNNN); each line has its 품목별 주문번호.
    ws.title = "주문"
    header = ["주문번호", "품목별 주문번호", "주문일시", "결제일시(입금확인일)", "주문경로", "결제수단", "상품번호", "상품품목코드", "주문상품명", "상품옵션", "수량", "판매가", "주문자명", "주문자 휴대전화", "수령인", "수령인 전화번호", "수령인 휴대전화", "수령인 우편번호", "수령인 주소(전체)", "배송메시지", "배송업체", "운송장번호"]
    for i, r in enumerate(day):
        order = "20261203-%07d" % int(r[0][1:])
        rows.append({"주문번호": order, "품목별 주문번호": "%s-%02d" % (order, i + 1), "주문일시": r[13].strftime("%Y-%m-%d %H:%M:%S"),
                     "결제일시(입금확인일)": r[13].strftime("%Y-%m-%d %H:%M:%S"), "주문경로": "PC쇼핑몰", "결제수단": "카드", "상품번호": 10 + i,
                     "상품품목코드": r[10], "주문상품명": r[8], "상품옵션": r[9] or None, "수량": r[11], "판매가": 12900, "주문자명": r[3],
                     "주문자 휴대전화": r[4], "수령인": r[3], "수령인 전화번호": "", "수령인 휴대전화": r[4], "수령인 우편번호": r[5],
                     "수령인 주소(전체)": full(r), "배송메시지": r[12] or None})
else:
    sys.exit("unknown layout " + layout)

for row in above:
    ws.append(row)
ws.append(header)
for d in rows:
    unknown = set(d) - set(header)
    if unknown:
        sys.exit("%s: values for columns not in the header: %s" % (layout, unknown))
    ws.append([d.get(h) for h in header])
# Date cells show as Excel shows them (스마트스토어 writes real dates).
for row in ws.iter_rows(min_row=len(above) + 2):
    for c in row:
        if isinstance(c.value, datetime.datetime):
            c.number_format = "yyyy-mm-dd hh:mm:ss"
wb.save(out)
