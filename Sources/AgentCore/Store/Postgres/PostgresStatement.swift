/// A statement the store runs, prepared once per connection under `name` and then executed
/// by name with parameters. The SQL is a constant: values only ever travel as parameters.
struct PostgresStatement: Sendable, Hashable {
    let name: String
    let sql: String

    init(_ name: String, _ sql: String) {
        self.name = name
        self.sql = sql
    }
}
