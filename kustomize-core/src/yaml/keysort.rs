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

/// Sorts `keys` by [`key_less`] with a merge sort, which stays well-defined
/// when the comparison is not transitive. go-yaml's comparison is not for
/// some keys ("10" < "1a" < "2" < "10"); since Go maps iterate in random
/// order, `kubectl kustomize` itself prints such key sets in varying orders.
pub(crate) fn sort_keys<T>(keys: &mut Vec<T>, key: impl Fn(&T) -> &str) {
    if keys.len() <= 1 {
        return;
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    let mut scratch = order.clone();
    merge_sort(&mut order, &mut scratch, &|&x, &y| {
        key_less(key(&keys[x]), key(&keys[y]))
    });
    let mut slots: Vec<Option<T>> = std::mem::take(keys).into_iter().map(Some).collect();
    keys.extend(order.into_iter().filter_map(|i| slots[i].take()));
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

    fn order(a: &str, b: &str) -> Ordering {
        if key_less(a, b) {
            Ordering::Less
        } else if key_less(b, a) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    }

    #[test]
    fn oracle_order() {
        // The order `kubectl kustomize` printed for these keys (a transitive
        // subset of tests/fixtures/yaml-keys).
        let expected = [
            "", " x", "-1", "_", "1", "2", "10", "A", "Z", "a", "a b", "a1", "a2", "a10", "y", "é",
        ];
        let mut keys: Vec<String> = expected.iter().rev().map(|s| s.to_string()).collect();
        sort_keys(&mut keys, |s| s.as_str());
        assert_eq!(keys, expected);
        let mut many: Vec<String> = (0..40).rev().map(|i| format!("k{i}")).collect();
        sort_keys(&mut many, |s| s.as_str());
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
