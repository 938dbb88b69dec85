//! Decoders for request body fields that serde's defaults get wrong for this contract: PATCH
//! fields where `null` and absent differ, and objects that must not be given as arrays.

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// For PATCH bodies: absent → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`.
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// `null` or absent → `None`; otherwise a JSON object (serde would also build a struct from an
/// array of its field values, which the contract does not allow).
pub fn optional_object<'de, T, D>(de: D) -> Result<Option<T>, D::Error>
where
    T: DeserializeOwned,
    D: serde::Deserializer<'de>,
{
    use serde::de::Error;
    match serde_json::Value::deserialize(de)? {
        serde_json::Value::Null => Ok(None),
        v @ serde_json::Value::Object(_) => serde_json::from_value(v)
            .map(Some)
            .map_err(D::Error::custom),
        _ => Err(D::Error::custom("expected an object")),
    }
}

/// `null` or absent → `None`; otherwise an array of JSON objects (see `optional_object`).
pub fn optional_objects<'de, T, D>(de: D) -> Result<Option<Vec<T>>, D::Error>
where
    T: DeserializeOwned,
    D: serde::Deserializer<'de>,
{
    use serde::de::Error;
    match serde_json::Value::deserialize(de)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Array(items) => {
            if items.iter().any(|i| !i.is_object()) {
                return Err(D::Error::custom("expected an array of objects"));
            }
            serde_json::from_value(serde_json::Value::Array(items))
                .map(Some)
                .map_err(D::Error::custom)
        }
        _ => Err(D::Error::custom("expected an array")),
    }
}

/// For PATCH bodies of an object field: absent → `None`, `null` → `Some(None)`, an object →
/// `Some(Some(v))` (see `double_option` and `optional_object`).
pub fn nullable_object<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: DeserializeOwned,
    D: serde::Deserializer<'de>,
{
    optional_object(de).map(Some)
}
