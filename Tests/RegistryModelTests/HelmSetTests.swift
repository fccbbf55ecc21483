import XCTest
@testable import RegistryModel

/// Helm's own strvals cases (pkg/strvals/parser_test.go): the same text gives the same values, or an error.
final class HelmSetTests: XCTestCase {
    func json(_ text: String) -> Value {
        var reader = HelmSet.JSONReader(text: Array(text.unicodeScalars), position: 0)
        return try! reader.value()
    }

    func parse(_ text: String, _ style: HelmSet.Style = .set, into base: String = "{}") throws -> Value {
        try HelmSet.parse(text, style: style, into: json(base)).values
    }

    func testHelmsParseCases() throws {
        let cases: [(String, String)] = [
            ("name1=null,f=false,t=true", #"{"name1": null, "f": false, "t": true}"#),
            ("name1=value1", #"{"name1": "value1"}"#),
            ("name1=value1,name2=value2", #"{"name1": "value1", "name2": "value2"}"#),
            ("name1=value1,name2=value2,", #"{"name1": "value1", "name2": "value2"}"#),
            ("name1=,name2=value2", #"{"name1": "", "name2": "value2"}"#),
            ("leading_zeros=00009", #"{"leading_zeros": "00009"}"#),
            ("zero_int=0", #"{"zero_int": 0}"#),
            ("long_int=1234567890", #"{"long_int": 1234567890}"#),
            ("boolean=true", #"{"boolean": true}"#),
            ("is_null=null", #"{"is_null": null}"#),
            (#"name1=one\,two,name2=three\,four"#, #"{"name1": "one,two", "name2": "three,four"}"#),
            (#"name1=one\=two,name2=three\=four"#, #"{"name1": "one=two", "name2": "three=four"}"#),
            ("name1=one two three,name2=three two one", #"{"name1": "one two three", "name2": "three two one"}"#),
            ("outer.inner=value", #"{"outer": {"inner": "value"}}"#),
            ("outer.middle.inner=value", #"{"outer": {"middle": {"inner": "value"}}}"#),
            ("outer.inner1=value,outer.inner2=value2", #"{"outer": {"inner1": "value", "inner2": "value2"}}"#),
            ("outer.inner1=value,outer.middle.inner=value", #"{"outer": {"inner1": "value", "middle": {"inner": "value"}}}"#),
            ("name1.name2=", #"{"name1": {"name2": ""}}"#),
            ("name1={value1,value2}", #"{"name1": ["value1", "value2"]}"#),
            ("name1={value1,value2},name2={value1,value2}", #"{"name1": ["value1", "value2"], "name2": ["value1", "value2"]}"#),
            ("name1={1021,902}", #"{"name1": [1021, 902]}"#),
            ("name1.name2={value1,value2}", #"{"name1": {"name2": ["value1", "value2"]}}"#),
            ("list[0]=foo", #"{"list": ["foo"]}"#),
            ("list[0].foo=bar", #"{"list": [{"foo": "bar"}]}"#),
            ("list[0].foo=bar,list[0].hello=world", #"{"list": [{"foo": "bar", "hello": "world"}]}"#),
            ("list[0]=foo,list[1]=bar", #"{"list": ["foo", "bar"]}"#),
            ("list[0]=foo,list[1]=bar,", #"{"list": ["foo", "bar"]}"#),
            ("list[0]=foo,list[3]=bar", #"{"list": ["foo", null, null, "bar"]}"#),
            ("noval[0]", #"{"noval": []}"#),
            ("noval[0]=", #"{"noval": [""]}"#),
            ("nested[0][0]=1", #"{"nested": [[1]]}"#),
            ("nested[1][1]=1", #"{"nested": [null, [null, 1]]}"#),
            ("name1.name2[0].foo=bar,name1.name2[1].foo=bar", #"{"name1": {"name2": [{"foo": "bar"}, {"foo": "bar"}]}}"#),
            ("name1.name2[1].foo=bar,name1.name2[0].foo=bar", #"{"name1": {"name2": [{"foo": "bar"}, {"foo": "bar"}]}}"#),
            ("name1.name2[1].foo=bar", #"{"name1": {"name2": [null, {"foo": "bar"}]}}"#),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try parse(text), json(expected), text)
        }
        let failures = ["name1=value1,,,,name2=value2,", "name1,name2=", "name1,name2=value2", #"name1,name2=value2\"#,
                        "name1,name2", "name1.name2", "name1.name2,name1.name3", "name1.=name2", "name1.,name2",
                        "name1={1021,902", "list[0].foo=bar,list[-30].hello=world", "list[0]=foo,list[-20]=bar",
                        "illegal[0]name.foo=bar", "]={}].", "a[65537]=x",
                        String(repeating: "a.", count: 31) + "b=c"]
        for text in failures {
            XCTAssertThrowsError(try parse(text), text)
        }
    }

    func testStringJSONAndFileValues() throws {
        XCTAssertEqual(try parse("long_int_string=1234567890,zero=0", .string),
                       json(#"{"long_int_string": "1234567890", "zero": "0"}"#))
        XCTAssertEqual(try parse(#"outer.inner1={"a":[1,"x"],"b":null},outer.inner2=[]"#, .json),
                       json(#"{"outer": {"inner1": {"a": [1, "x"], "b": null}, "inner2": []}}"#))
        XCTAssertEqual(try parse("a=,b=2", .json), json(#"{"a": null, "b": 2}"#))
        let read = try HelmSet.parse("a=x.txt", style: .file, into: .emptyMapping, readFile: { "contents of \($0)\n" })
        XCTAssertEqual(read.values, json(#"{"a": "contents of x.txt\n"}"#))
    }

    func testParsedIntoTheFilesValues() throws {
        // ParseInto: a list item keeps the item's other keys; a key keeps its map's others.
        XCTAssertEqual(try parse("list[0].b=2,m.y=2", into: #"{"list": [{"a": 1}, {"c": 3}], "m": {"x": 1}}"#),
                       json(#"{"list": [{"a": 1, "b": 2}, {"c": 3}], "m": {"x": 1, "y": 2}}"#))
        XCTAssertThrowsError(try parse("m[0]=1", into: #"{"m": {"x": 1}}"#), "a map is not a list")
        XCTAssertThrowsError(try parse("s.x=1", into: #"{"s": "text"}"#), "text has no keys")
    }

    func testAssignmentsUnderTheSection() throws {
        let base = json(#"{"networkPolicy": {"enabled": true}}"#)
        let found = try Assignment.assignments(
            parsing: "cacheRegistry.networkPolicy.from[0].ipBlock.cidr=10.0.0.0/16,pv.size=30Gi", into: base)
        XCTAssertEqual(found, [
            Assignment(path: "networkPolicy.from", value: json(#"[{"ipBlock": {"cidr": "10.0.0.0/16"}}]"#)),
            Assignment(path: "pv.size", value: .string("30Gi")),
        ])
        XCTAssertEqual(try Assignment.assignments(parsing: "deployment.image.tag=2", into: .emptyMapping),
                       [Assignment(path: "deployment.image.tag", value: .string("2"))], "a field types its value")
        XCTAssertEqual(try Assignment.assignments(parsing: #"deployment.nodeSelector.kubernetes\.io/os=linux"#,
                                                  into: .emptyMapping),
                       [Assignment(path: KeyPath(["deployment", "nodeSelector", "kubernetes.io/os"]), value: .string("linux"))])
        XCTAssertThrowsError(try Assignment.assignments(parsing: "deployment.nodeSelector.kubernetes.io/os=linux",
                                                        into: .emptyMapping))
    }
}
