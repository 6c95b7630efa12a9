//! `Adapt`: the conversion between the host's types (`contract`) and a version's generated
//! ones, field by field. A trait of our own instead of `From`: `Vec<A>` into `Vec<B>` (or
//! `Option`, `Result`) cannot be written with `From` (coherence), so without it every list field
//! would need its own `map`. The macros keep each version's conversions to one line per record
//! or enum.

pub(in crate::plugins) trait Adapt<T> {
    fn adapt(self) -> T;
}

macro_rules! same {
    ($($t:ty),*) => { $(impl Adapt<$t> for $t { fn adapt(self) -> $t { self } })* };
}
same!(bool, char, u8, u16, u32, u64, i32, i64, String);

impl<A: Adapt<B>, B> Adapt<Vec<B>> for Vec<A> {
    fn adapt(self) -> Vec<B> {
        self.into_iter().map(Adapt::adapt).collect()
    }
}

impl<A: Adapt<B>, B> Adapt<Option<B>> for Option<A> {
    fn adapt(self) -> Option<B> {
        self.map(Adapt::adapt)
    }
}

impl<A: Adapt<B>, B, E: Adapt<F>, F> Adapt<Result<B, F>> for Result<A, E> {
    fn adapt(self) -> Result<B, F> {
        self.map(Adapt::adapt).map_err(Adapt::adapt)
    }
}

impl<A: Adapt<B>, B> Adapt<Box<B>> for Box<A> {
    fn adapt(self) -> Box<B> {
        Box::new((*self).adapt())
    }
}

/// A record with the same fields on both sides: `record!(a::Date => b::Date { year, month, day })`.
macro_rules! record {
    ($($a:ident)::+ => $($b:ident)::+ { $($f:ident),* $(,)? }) => {
        impl $crate::plugins::wit::adapt::Adapt<$($b)::+> for $($a)::+ {
            fn adapt(self) -> $($b)::+ {
                $($b)::+ { $($f: $crate::plugins::wit::adapt::Adapt::adapt(self.$f)),* }
            }
        }
    };
}

/// An enum or variant with the same cases on both sides; a case with a payload names it once:
/// `variant!(a::Vat => b::Vat { Rate(r), Computed(r), None })`.
macro_rules! variant {
    ($($a:ident)::+ => $($b:ident)::+ { $($v:ident $(($x:ident))?),* $(,)? }) => {
        impl $crate::plugins::wit::adapt::Adapt<$($b)::+> for $($a)::+ {
            fn adapt(self) -> $($b)::+ {
                use $($a)::+ as Source;
                use $($b)::+ as Target;
                match self {
                    $(Source::$v $(($x))? =>
                        Target::$v $(($crate::plugins::wit::adapt::Adapt::adapt($x)))?),*
                }
            }
        }
    };
}

/// Both directions of `record!`.
macro_rules! record2 {
    ($($a:ident)::+ <=> $($b:ident)::+ { $($f:ident),* $(,)? }) => {
        record!($($a)::+ => $($b)::+ { $($f),* });
        record!($($b)::+ => $($a)::+ { $($f),* });
    };
}

/// Both directions of `variant!`.
macro_rules! variant2 {
    ($($a:ident)::+ <=> $($b:ident)::+ { $($v:ident $(($x:ident))?),* $(,)? }) => {
        variant!($($a)::+ => $($b)::+ { $($v $(($x))?),* });
        variant!($($b)::+ => $($a)::+ { $($v $(($x))?),* });
    };
}

pub(in crate::plugins) use {record, record2, variant, variant2};
