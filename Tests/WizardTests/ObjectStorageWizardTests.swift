import Foundation
import TestSupport
import XCTest
@testable import Manifests
@testable import RegistryModel
@testable import ValuesFile
@testable import Wizard

/// The Storage step's S3 choice: its fields, its live checks, the credentials Secret in Review and Done, and a
/// switch there and back that leaves values.yaml as it was.
final class ObjectStorageWizardTests: XCTestCase, WizardTesting {
    func chooseStorage(_ state: inout WizardState, _ mode: StorageMode) {
        _ = update(&state, .intent(.goTo(step: .storage, focus: 0)))
        _ = update(&state, .intent(.choose(index: StorageMode.wizardChoices.firstIndex(of: mode)!)))
    }

    func type(_ state: inout WizardState, _ path: KeyPath, _ text: String) {
        focus(&state, on: path)
        _ = update(&state, .intent(.setText(text)))
        _ = update(&state, .intent(.confirm))
    }

    func testChoosingS3ShowsItsFieldsChecksThemAndNamesTheSecret() throws {
        var state = newState(width: 100, height: 40)
        chooseStorage(&state, .s3)
        XCTAssertEqual(state.config.view.storageMode, .s3)
        let rows = state.items.compactMap { item -> KeyPath? in
            if case .field(let path) = item.id { return path }
            return nil
        }
        XCTAssertTrue(rows.contains(.s3Bucket) && rows.contains(.s3RegionEndpoint) && rows.contains(.s3CredentialsSecret))
        XCTAssertFalse(rows.contains(.pvcSize) || rows.contains(.pvHostPath), "no volume fields on a bucket")
        XCTAssertTrue(state.problems.errors.contains { $0.path == "cacheRegistry.storage.s3.bucket" },
                      "the bucket is asked for at once")

        type(&state, .s3Bucket, "Kubiya_Registry")
        XCTAssertTrue(state.problems.errors.contains { $0.location == .key(.s3Bucket) && $0.code == .badValue })
        type(&state, .s3Bucket, "kubiya-registry")
        XCTAssertTrue(state.problems.errors.contains { $0.code == .s3Region }, "AWS needs a region")
        type(&state, .s3RegionEndpoint, "http://minio.storage.svc:9000")
        type(&state, .s3CredentialsSecret, "registry-s3")
        XCTAssertEqual(state.problems.errors, [])

        let notes = state.manifestPlan.notes.joined(separator: "\n")
        XCTAssertTrue(notes.contains("kubectl -n kubiya create secret generic registry-s3 --from-literal=accessKey="), notes)
        let steps = NextSteps.lines(state.config, state.nextStepsContext)
        let secretStep = try XCTUnwrap(steps.firstIndex { $0.contains("create secret generic registry-s3") })
        let apply = try XCTUnwrap(steps.firstIndex { $0.hasPrefix("kubectl apply -k") })
        XCTAssertLessThan(secretStep, apply, "the Secret exists before the registry starts")
        let kinds = state.rendered(httpSecret: nil).resources.map(\.kind)
        XCTAssertFalse(kinds.contains("PersistentVolume") || kinds.contains("PersistentVolumeClaim"))
    }

    func testSwitchingToS3AndBackLeavesTheFileAsItWas() throws {
        for fixture in ["example-values.yaml", "chart-values.yaml"] {
            let bytes = Array(try Fixtures.text(fixture).utf8)
            let document = try ValuesDocument(bytes: bytes, name: "values.yaml")
            var state = WizardState(mode: .edit, valuesPath: "values.yaml", originalBytes: bytes,
                                    config: try document.config(), width: 100, height: 40, document: document,
                                    now: Date())
            let before = state.config.view.storageMode
            chooseStorage(&state, .s3)
            type(&state, .s3Bucket, "kubiya-registry")
            let onS3 = String(decoding: try WritePlanner.valuesBytes(state), as: UTF8.self)
            // Quoted as the file quotes its strings (both fixtures write "60Gi" and the like in double quotes).
            XCTAssertTrue(onS3.contains("storage:\n    s3:\n      bucket: \"kubiya-registry\""), onS3)
            chooseStorage(&state, before)
            XCTAssertEqual(state.config.view.storageMode, before)
            XCTAssertEqual(try WritePlanner.valuesBytes(state), bytes, "\(fixture): back byte for byte")
        }
    }
}

extension ObjectStorageWizardTests {
    /// Clearing the bucket to type another keeps the storage on S3 (the section decides, not the bucket).
    func testTheBucketIsRetypedAsAPersonDoes() throws {
        var state = newState(width: 100, height: 30)
        send(&state, .pageDown, .right, .right, .right)
        XCTAssertEqual(state.config.view.storageMode, .s3)
        send(&state, .control("f"), .paste("s3.bucket"), .enter, .control("u"))
        XCTAssertEqual(state.config.view.storageMode, .s3)
        XCTAssertTrue(state.problems.errors.contains { $0.location == .key(.s3Bucket) && $0.code == .required })
        send(&state, .paste("kubiya-registry"), .enter)
        XCTAssertEqual(state.config.view.string(.s3Bucket), "kubiya-registry")
    }
}
