import Foundation

/// Warm renderers for one-off labels (a scan, a preview): making a ``LabelRenderer`` loads the
/// fonts (~10 ms), so they are kept between calls. Each renderer is used by one thread at a time.
/// Unchecked: the renderers hold Cairo/Pango handles (not Sendable); `idle` is touched only under
/// `lock`, and a renderer taken from it belongs to one thread until it is put back.
public final class LabelRendererPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [LabelRenderer] = []
    public let configuration: RendererConfiguration
    /// Renderers kept idle at most.
    public let capacity: Int

    public init(configuration: RendererConfiguration, capacity: Int = 8) {
        self.configuration = configuration
        self.capacity = capacity
    }

    /// Runs `body` with a renderer no other thread is using.
    public func with<R>(_ body: (LabelRenderer) throws -> R) throws -> R {
        lock.lock()
        let taken = idle.popLast()
        lock.unlock()
        let renderer = try taken ?? LabelRenderer(configuration: configuration)
        defer { lock.lock(); if idle.count < capacity { idle.append(renderer) }; lock.unlock() }
        return try body(renderer)
    }
}
