// What the threads that tag borrow, one document (or one regex test) at a time: ICU's break
// iterators, the rules' matchers and compiled regexes, the labeller's word caches. Each is costly
// to make and holds state between two uses that is only buffers to reuse, so a thread takes one,
// uses it alone and gives it back.
import Synchronization

final class Pool<Value, Failure: Error>: Sendable {
    private let free = Mutex<[UnsafeSendable<Value>]>([])
    private let make: @Sendable () throws(Failure) -> Value
    private let dispose: @Sendable (Value) -> Void

    /// `make` when the pool has none to give; `dispose` for those still in it when it goes.
    init(make: @escaping @Sendable () throws(Failure) -> Value, dispose: @escaping @Sendable (Value) -> Void = { _ in }) {
        self.make = make
        self.dispose = dispose
    }

    func take() throws(Failure) -> Value {
        if let value = free.withLock({ $0.popLast() }) { return value.value }
        return try make()
    }

    func give(_ value: Value) { free.withLock { $0.append(UnsafeSendable(value: value)) } }

    deinit { free.withLock { for value in $0 { dispose(value.value) } } }
}

/// A value handed between threads through a `Pool`. Unchecked
/// Sendable because the compiler cannot see the hand-over: a value is either in the pool (behind
/// the mutex, used by no thread) or taken by exactly one thread, which gives it back when done;
/// it is never used by two threads at once.
struct UnsafeSendable<T>: @unchecked Sendable { let value: T }
