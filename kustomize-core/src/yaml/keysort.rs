//! The order in which go-yaml v2 prints map keys: a "natural" order where
//! letters sort before other characters and digit runs compare by value.

fn is_letter(c: char) -> bool {
    // Go's unicode.IsLetter (categories L*); `is_alphabetic` is the closest std test.
    c.is_alphabetic()
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

/// go-yaml v2's `keyList.Less` for two string keys.
pub(crate) fn key_less(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        // Nearly every key: compare the bytes, without collecting chars.
        return less(a.as_bytes(), b.as_bytes());
    }
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    less(&ar, &br)
}

/// [`key_less`] over slices of characters (the bytes of ASCII text, or chars).
fn less<T: Copy + Into<char>>(a: &[T], b: &[T]) -> bool {
    let ar = |i: usize| -> char { a[i].into() };
    let br = |i: usize| -> char { b[i].into() };
    for i in 0..a.len().min(b.len()) {
        let (ac, bc) = (ar(i), br(i));
        if ac == bc {
            continue;
        }
        let al = is_letter(ac);
        let bl = is_letter(bc);
        if al && bl {
            return ac < bc;
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ac == '0' || bc == '0' {
            for j in (0..i).rev() {
                let c = ar(j);
                if !is_digit(c) {
                    break;
                }
                if c != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let digit_value = |c: char| i64::from(u32::from(c).wrapping_sub(u32::from('0')));
        let mut ai = i;
        while ai < a.len() && is_digit(ar(ai)) {
            an = an.wrapping_mul(10).wrapping_add(digit_value(ar(ai)));
            ai += 1;
        }
        let mut bi = i;
        while bi < b.len() && is_digit(br(bi)) {
            bn = bn.wrapping_mul(10).wrapping_add(digit_value(br(bi)));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ac < bc;
    }
    a.len() < b.len()
}

/// The positions of `items` in the order of their keys by [`key_less`],
/// found with a merge sort, which stays well-defined when the comparison is
/// not transitive. go-yaml's comparison is not for some keys ("10" < "1a" <
/// "2" < "10"); since Go maps iterate in random order, `kubectl kustomize`
/// itself prints such key sets in varying orders.
pub(crate) fn sorted_order<T>(items: &[T], key: impl Fn(&T) -> &str) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    if items.len() > 1 && !in_total_order(items, &key) {
        let mut scratch = order.clone();
        merge_sort(&mut order, &mut scratch, &|&x, &y| {
            key_less(key(&items[x]), key(&items[y]))
        });
    }
    order
}

/// Whether `items` are in key order already and the merge sort would leave
/// them so. Without digits, [`key_less`] compares the first differing
/// characters (non-letters before letters, then by code point), a total
/// order, under which a stable sort leaves ordered items in place.
fn in_total_order<T>(items: &[T], key: &impl Fn(&T) -> &str) -> bool {
    let digit_free = items.iter().all(|item| !key(item).chars().any(is_digit));
    digit_free
        && items
            .windows(2)
            .all(|pair| !key_less(key(&pair[1]), key(&pair[0])))
}

/// A top-down merge sort of `items` (`scratch` is as long): the left half
/// is the first `len / 2` items, and a tie takes the left item first.
fn merge_sort(items: &mut [usize], scratch: &mut [usize], less: &dyn Fn(&usize, &usize) -> bool) {
    let len = items.len();
    if len <= 1 {
        return;
    }
    let mid = len / 2;
    {
        let (left, right) = items.split_at_mut(mid);
        let (left_scratch, right_scratch) = scratch.split_at_mut(mid);
        merge_sort(left, left_scratch, less);
        merge_sort(right, right_scratch, less);
    }
    scratch.copy_from_slice(items);
    let (left, right) = scratch.split_at(mid);
    let (mut l, mut r) = (0, 0);
    for slot in items.iter_mut() {
        let take_right = match (left.get(l), right.get(r)) {
            (Some(x), Some(y)) => less(y, x),
            (Some(_), None) => false,
            _ => true,
        };
        if take_right {
            *slot = right[r];
            r += 1;
        } else {
            *slot = left[l];
            l += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    /// `keys` sorted by [`sorted_order`].
    fn sorted(keys: &[String]) -> Vec<String> {
        let order = sorted_order(keys, |s| s.as_str());
        order.into_iter().map(|i| keys[i].clone()).collect()
    }

    fn order(a: &str, b: &str) -> Ordering {
        if key_less(a, b) {
            Ordering::Less
        } else if key_less(b, a) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    }

    /// The merge sort's order of `keys`, without the shortcut.
    fn merge_order(keys: &[String]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..keys.len()).collect();
        let mut scratch = order.clone();
        merge_sort(&mut order, &mut scratch, &|&x, &y| {
            key_less(&keys[x], &keys[y])
        });
        order
    }

    proptest::proptest! {
        /// Keys without digits that are in order already keep their order,
        /// as the merge sort leaves them.
        #[test]
        fn ordered_keys_without_digits_stay(keys in proptest::collection::vec("[a-cA-C_./é -]{0,4}", 0..12)) {
            let order = merge_order(&keys);
            let sorted: Vec<String> = order.iter().map(|&i| keys[i].clone()).collect();
            let identity: Vec<usize> = (0..sorted.len()).collect();
            proptest::prop_assert_eq!(merge_order(&sorted), identity.clone());
            proptest::prop_assert_eq!(sorted_order(&sorted, |s| s.as_str()), identity);
            proptest::prop_assert_eq!(sorted_order(&keys, |s| s.as_str()), order);
        }
    }

    #[test]
    fn oracle_order() {
        // The order `kubectl kustomize` printed for these keys (a transitive
        // subset of tests/fixtures/yaml-keys).
        let expected = [
            "", " x", "-1", "_", "1", "2", "10", "A", "Z", "a", "a b", "a1", "a2", "a10", "y", "é",
        ];
        let keys: Vec<String> = expected.iter().rev().map(|s| s.to_string()).collect();
        assert_eq!(sorted(&keys), expected);
        let many: Vec<String> = (0..40).rev().map(|i| format!("k{i}")).collect();
        let many = sorted(&many);
        assert_eq!(many[..3], ["k0", "k1", "k2"]);
        assert_eq!(many[39], "k39");
    }

    #[test]
    fn leading_zeros() {
        assert_eq!(order("a1", "a01"), Ordering::Less);
        assert_eq!(order("a10", "a010"), Ordering::Less);
        // Digit runs longer than i64 wrap as in Go instead of overflowing.
        assert_eq!(order("x99999999999999999999999", "x1"), Ordering::Greater);
    }
}
