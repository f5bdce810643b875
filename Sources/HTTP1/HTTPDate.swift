// IMF-fixdate (RFC 9110 §5.6.7) from seconds since the epoch; the caller supplies the clock.

/// Formats the value of the `Date` field every response carries.
public enum HTTPDate {
    private static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Formats `seconds` since 1970-01-01T00:00:00Z, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    public static func format(secondsSinceEpoch seconds: Int) -> String {
        let dayCount = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secs = seconds - dayCount * 86400
        // Civil-from-days (Howard Hinnant's algorithm).
        let z = dayCount + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        var year = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        if month <= 2 { year += 1 }
        let weekday = days[((dayCount % 7) + 7) % 7]
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return
            "\(weekday), \(two(day)) \(months[month - 1]) \(year) \(two(secs / 3600)):\(two(secs % 3600 / 60)):\(two(secs % 60)) GMT"
    }
}
