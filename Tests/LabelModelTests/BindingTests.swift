import Foundation
import LabelModel
import Testing

@Suite("Data binding and filters")
struct BindingTests {
    static let record: DataValue = .object([
        "receiver": .object(["name": .string("홍길동"), "phone": .string("01012345678"), "postal_code": .string("03195")]),
        "waybill_no": .string("646249802726"),
        "amount": .number(1234567),
        "price": .number(12.5),
        "ordered_at": .string("2026-11-28T09:30:00+09:00"),
        "message": .null,
        "items": .array([.object(["sku": .string("A-1")])]),
        "island": .bool(true),
        "qty": .string("3"),
    ])

    static let cases: [(String, String)] = [
        ("{{receiver.name | mask:'name'}}", "홍*동"),
        ("{{receiver.phone | phone}}", "010-1234-5678"),
        ("{{receiver.phone | phone | mask:'phone'}}", "010-1234-****"),
        ("{{receiver.phone | phone | mask:'-****'}}", "010-1234-****"),
        ("{{receiver.phone | phone | mask:'...****'}}", "010-****-5678"),
        ("{{waybill_no | group:'4-4-4'}}", "6462-4980-2726"),
        ("{{'부46270404' | default:'x'}}", "x"),
        ("{{amount | number}}원", "1,234,567원"),
        ("{{price | number:2}}", "12.50"),
        ("{{ordered_at | date:'yyyy.MM.dd HH:mm'}}", "2026.11.28 09:30"),
        ("{{message | default:'-'}}", "-"),
        ("[{{message?}}]", "[]"),
        ("{{items.0.sku | lower}}", "a-1"),
        ("{{receiver.postal_code | prefix:'우) '}}", "우) 03195"),
        ("{{message? | prefix:'메모: '}}", ""),
        ("{{waybill_no | truncate:4}}", "6462…"),
        ("{{island}}", "true"),
    ]

    @Test("filters", arguments: cases)
    func filter(_ c: (String, String)) throws {
        let text = try TextTemplate.parse(c.0)
        #expect(try BindingScope(record: Self.record).evaluate(text) == c.1, "\(c.0)")
    }

    @Test("filter arguments read from the data with @path (a carrier profile's masking default)")
    func dataArguments() throws {
        let record: DataValue = .object(["phone": .string("01012345678"), "profile": .object(["mask_phone": .string("...****")])])
        #expect(try BindingScope(record: record).evaluate(try TextTemplate.parse("{{phone | phone | mask:@profile.mask_phone}}")) == "010-****-5678")
        #expect(throws: LabelModelError.self) {
            _ = try BindingScope(record: .object(["phone": .string("1"), "profile": .object(["mask_phone": .string("xx")])]))
                .evaluate(try TextTemplate.parse("{{phone | mask:@profile.mask_phone}}"))
        }
    }

    @Test("group splits 집배코드 2/3/2/2 and 우체국 numbers 5-4-4")
    func grouping() throws {
        #expect(try FilterCall(name: .group, arguments: ["2 3 2 2"]).apply("부46270404") == "부4 627 04 04")
        #expect(try FilterCall(name: .group, arguments: ["5-4-4"]).apply("6012345678901") == "60123-4567-8901")
    }

    @Test("missing data is an error naming its JSON path, never a blank field")
    func missingField() throws {
        var scope = BindingScope(record: Self.record)
        scope.element = "receiver-name"
        #expect(throws: LabelModelError(code: .data, message: "missing field 'receiver.nickname' needed by the template (add '| default:…' or write 'receiver.nickname?' if it may be absent)", dataPath: "$.receiver.nickname", element: "receiver-name")) {
            _ = try scope.evaluate(try TextTemplate.parse("{{receiver.nickname}}"))
        }
        #expect(throws: LabelModelError(code: .data, message: "field 'items' is a list, expected text or a number", dataPath: "$.items", element: "receiver-name")) {
            _ = try scope.evaluate(try TextTemplate.parse("{{items}}"))
        }
        #expect(throws: LabelModelError(code: .data, message: "'내일' is not a date: expected ISO 8601 such as 2026-11-28 or 2026-11-28T09:30:00+09:00 (filter 'date')", dataPath: "$.when", element: "receiver-name")) {
            _ = try BindingScope(record: .object(["when": .string("내일")]), element: "receiver-name").evaluate(try TextTemplate.parse("{{when | date:'yyyy'}}"))
        }
    }

    @Test("repeat items see their own JSON path")
    func localPaths() throws {
        let scope = BindingScope(record: Self.record).binding("item", to: .object([:]), path: "$.products[3]")
        do {
            _ = try scope.evaluate(try TextTemplate.parse("{{item.name}}"))
            Issue.record("no error")
        } catch {
            #expect(error.dataPath == "$.products[3].name")
        }
    }

    @Test("conditions")
    func conditions() {
        let scope = BindingScope(record: Self.record)
        #expect(scope.holds(Condition(path: ["island"], test: .present(true))))
        #expect(!scope.holds(Condition(path: ["message"], test: .present(true))))
        #expect(scope.holds(Condition(path: ["message"], test: .present(false))))
        #expect(scope.holds(Condition(path: ["qty"], test: .greaterThan(2))))
        #expect(!scope.holds(Condition(path: ["qty"], test: .lessThan(2))))
        #expect(scope.holds(Condition(path: ["qty"], test: .equals(.number(3)))))
        #expect(scope.holds(Condition(path: ["island"], test: .notEquals(.bool(false)))))
    }

    @Test("data files: object, array, JSON Lines; errors name the line")
    func dataFiles() throws {
        #expect(try DataValue.records(from: Data(#"{"a":1}"#.utf8)).count == 1)
        #expect(try DataValue.records(from: Data(#"[{"a":1},{"a":2}]"#.utf8)).count == 2)
        #expect(try DataValue.records(from: Data("{\"a\":1}\n\n{\"a\":2}\n{\"a\":3}\n".utf8)).count == 3)
        do {
            _ = try DataValue.records(from: Data("{\"a\":1}\n{\"a\":\n".utf8), source: "orders.jsonl")
            Issue.record("no error")
        } catch {
            #expect(error.message.hasPrefix("orders.jsonl:2: not a JSON value (expected one JSON object per line)"), "\(error.message)")
        }
    }

    @Test("distances")
    func distances() {
        #expect(Distance.parse("25.4mm", dpi: 203)!.wholeDots(at: 203) == 203)
        #expect(Distance.parse("1in", dpi: 203)!.wholeDots(at: 300) == 300)
        #expect(Distance.parse("72pt", dpi: 203) == .inches(1))
        #expect(Distance.parse("8dots", dpi: 203)!.wholeDots(at: 203) == 8)
        #expect(Distance.parse("12", dpi: 203) == nil)
        #expect(Distance.parse("12px", dpi: 203) == nil)
    }
}

@Suite("JSON reader")
struct JSONReaderTests {
    @Test("values, escapes, surrogate pairs, numbers")
    func values() throws {
        let v = try DataValue.parse(json: Array(#"{"a":[1,-2.5e1,true,false,null],"s":"줄\n\"따옴표\" \u00e9 \ud83d\ude80 \/","o":{}}"#.utf8))
        #expect(v == .object(["a": .array([.number(1), .number(-25), .bool(true), .bool(false), .null]),
                              "s": .string("줄\n\"따옴표\" é 🚀 /"), "o": .object([:])]))
    }

    @Test("mistakes name the byte", arguments: [
        (#"{"a":1,}"#, "not valid JSON at byte 7: expected a quoted key"),
        (#"{"a" 1}"#, "not valid JSON at byte 5: expected ':'"),
        (#"[1 2]"#, "not valid JSON at byte 3: expected ',' or ']'"),
        (#""abc"#, "not valid JSON at byte 4: unterminated string"),
        (#"{"a":tru}"#, "not valid JSON at byte 5: unexpected character"),
        (#"{} x"#, "not valid JSON at byte 3: unexpected text after the JSON value"),
    ])
    func mistakes(_ c: (String, String)) {
        do {
            _ = try DataValue.parse(json: Array(c.0.utf8))
            Issue.record("no error for \(c.0)")
        } catch {
            #expect(error.message == c.1)
        }
    }
}

@Suite("DataValue as JSON")
struct DataValueJSONTests {
    @Test("jsonText reads back as the same value through JSONDecoder: Korean, escapes, control characters, numbers, nesting; keys sorted")
    func roundTrip() throws {
        let value: DataValue = .object([
            "z": .string("따옴표 \" 역슬래시 \\ 줄\n탭\t벨\u{7} 슬래시 /"),
            "a": .array([.number(0), .number(-3), .number(12.5), .number(1e-7), .number(123456789012), .bool(false), .null]),
            "m": .object(["b": .string(""), "a": .object([:])]),
            "k": .bool(true),
            // Escapes first, last and back to back, around multi-byte text.
            "e": .string("\"\n끝\u{1F}\\"),
        ])
        let text = value.jsonText
        #expect(try JSONDecoder().decode(DataValue.self, from: Data(text.utf8)) == value)
        #expect(text.hasPrefix(#"{"a":[0,-3,12.5,"#) && text.contains(#""m":{"a":{},"b":""}"#), "\(text)")
        #expect(text.contains(#"\u0007"#) && text.contains(#"\n"#) && !text.contains("\\/"))
        #expect(text.contains(#""e":"\"\n끝\u001f\\""#), "\(text)")
        #expect(DataValue.number(.infinity).jsonText == "null")
    }

    @Test("a record written field by field: the JSON writer's text is the DataValue writer's jsonText")
    func recordWriters() throws {
        func record<W: RecordWriter>(_ w: inout W, rows: [(String, String?)]) {
            w.string("a", "따옴표 \" 역슬래시 \\ 줄\n끝\u{1F}")
            w.bool("b", false)
            w.object("c") { w in
                w.object("empty") { _ in }
                w.number("n", 12.5)
                w.number("x", .nan)
            }
            w.objects("d", rows) { w, row in
                w.string("name", row.0)
                if let option = row.1 { w.string("option", option) }
            }
            w.objects("e", [Int]()) { _, _ in }
            w.number("f", 123456789012)
            w.bool("g", true)
        }
        for rows in [[], [("러닝화", "사이즈:270")], [("잼", nil), ("파우치 \"사은품\"", "색상:빨강")]] {
            var value = DataValueWriter(), text = JSONTextWriter()
            record(&value, rows: rows)
            record(&text, rows: rows)
            #expect(text.text == value.value.jsonText, "\(text.text)")
            #expect(text.text.contains(#""c":{"empty":{},"n":12.5,"x":null},"d":["#))
        }
        var empty = JSONTextWriter()
        empty.objects("none", [Int]()) { _, _ in }
        #expect(empty.text == #"{"none":[]}"# && JSONTextWriter().text == "{}")
    }
}
